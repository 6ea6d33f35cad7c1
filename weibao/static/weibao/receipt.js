// The public done page: help the reporter keep the reference number and the secret code, which
// cannot be shown again after a while. Copy buttons, print (or save as PDF), and a picture of
// both to save on a phone. Every word shown comes from the page (translated there); without
// JavaScript the buttons stay hidden and the page still shows, prints and can be copied by hand.
(() => {
  "use strict";
  const card = document.querySelector("[data-receipt]");
  if (!card) return;
  const feedback = card.querySelector(".copy-feedback");

  for (const el of card.querySelectorAll("[data-copy], .keep-actions")) el.hidden = false;

  function say(text) {
    if (!feedback) return;
    feedback.textContent = text;
  }

  // navigator.clipboard needs a secure context (https or localhost); elsewhere the older
  // selection-and-copy command still works in the browsers reporters use.
  function copyByCommand(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (_) {
      ok = false;
    }
    area.remove();
    return ok;
  }

  async function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (_) {
        /* refused: try the older way */
      }
    }
    return copyByCommand(text);
  }

  card.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (button) {
      const source = document.getElementById(button.dataset.copy);
      const ok = source && (await copy(source.textContent.trim()));
      say(ok ? feedback.dataset.copied : feedback.dataset.failed);
      return;
    }
    if (event.target.closest("[data-print]")) {
      window.print();
      return;
    }
    if (event.target.closest("[data-save-image]")) saveImage();
  });

  // --- the picture ---------------------------------------------------------------------------

  const WIDTH = 720;
  const PAD = 36;
  const FONT = 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
  const MONO = 'ui-monospace, Menlo, Consolas, "Noto Sans Mono CJK SC", monospace';

  // Chinese wraps between any two characters, other scripts between words.
  function tokens(text) {
    return text.match(/[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+|\s+/g) || [];
  }

  function wrap(ctx, text, width) {
    const lines = [];
    let line = "";
    for (const token of tokens(text)) {
      const next = line + token;
      if (line && ctx.measureText(next).width > width) {
        lines.push(line.trimEnd());
        line = token.trimStart();
      } else {
        line = next;
      }
    }
    if (line.trim()) lines.push(line.trimEnd());
    return lines;
  }

  // What the picture says, in order: [font, colour, text, space after].
  function blocks() {
    const out = [[`700 30px ${FONT}`, "#0b6e4f", card.dataset.receiptTitle, 18]];
    const terms = card.querySelectorAll("dl.keys dt");
    const values = card.querySelectorAll("dl.keys .receipt-value");
    terms.forEach((dt, i) => {
      out.push([`20px ${FONT}`, "#5e6b78", dt.textContent.trim(), 4]);
      const value = values[i] ? values[i].textContent.trim() : "";
      const big = values[i] && values[i].classList.contains("key");
      out.push([big ? `700 40px ${MONO}` : `20px ${MONO}`, "#1d2733", value, 16]);
    });
    const heading = document.querySelector(".next-steps h2");
    if (heading) out.push([`700 22px ${FONT}`, "#1d2733", heading.textContent.trim(), 8]);
    document.querySelectorAll(".next-steps .receipt-step").forEach((li, i) => {
      out.push([`20px ${FONT}`, "#1d2733", `${i + 1}. ${li.textContent.trim()}`, 8]);
    });
    const police = document.querySelector(".hotlines strong");
    if (police) out.push([`700 20px ${FONT}`, "#b42318", police.textContent.trim(), 0]);
    return out;
  }

  function draw(scale) {
    const measure = document.createElement("canvas").getContext("2d");
    const laid = blocks().map(([font, colour, text, after]) => {
      measure.font = font;
      const size = Number(/(\d+)px/.exec(font)[1]);
      return { font, colour, lines: wrap(measure, text, WIDTH - 2 * PAD), size, after };
    });
    const height =
      2 * PAD + laid.reduce((h, b) => h + b.lines.length * Math.round(b.size * 1.4) + b.after, 0);
    const canvas = document.createElement("canvas");
    canvas.width = WIDTH * scale;
    canvas.height = height * scale;
    const ctx = canvas.getContext("2d");
    ctx.scale(scale, scale);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, WIDTH, height);
    ctx.strokeStyle = "#0b6e4f";
    ctx.lineWidth = 4;
    ctx.strokeRect(2, 2, WIDTH - 4, height - 4);
    ctx.textBaseline = "top";
    let y = PAD;
    for (const b of laid) {
      ctx.font = b.font;
      ctx.fillStyle = b.colour;
      for (const line of b.lines) {
        ctx.fillText(line, PAD, y);
        y += Math.round(b.size * 1.4);
      }
      y += b.after;
    }
    return canvas;
  }

  let pictureUrl = null;

  function saveImage() {
    const canvas = draw(Math.min(3, Math.max(2, window.devicePixelRatio || 1)));
    canvas.toBlob((blob) => {
      if (!blob) return;
      if (pictureUrl) URL.revokeObjectURL(pictureUrl);
      pictureUrl = URL.createObjectURL(blob);
      const figure = card.querySelector(".receipt-image");
      figure.querySelector("img").src = pictureUrl;
      const link = figure.querySelector("a[download]");
      link.href = pictureUrl;
      figure.hidden = false;
      // A computer saves the file at once; a phone shows the picture to press and hold.
      if (!window.matchMedia("(pointer: coarse)").matches) link.click();
      figure.scrollIntoView({ block: "nearest" });
    }, "image/png");
  }
})();
