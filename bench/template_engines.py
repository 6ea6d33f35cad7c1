"""Django's template engine against Jinja2 on the worklist's 50 rows: the same markup, the same
row objects, the same words. A measurement for deciding where the load test's CPU could come
from (docs/performance.md, "The load that saturates two cores"), not code of the app, which
renders with Django's engine.

    .venv/bin/python bench/load/run.py --build --users 10 --minutes 0.5   # once: the database
    set -a; . var/load/env; set +a
    .venv/bin/python bench/template_engines.py

Jinja2 comes from the load test's environment (var/load-venv, made by bench/load/run.py;
Jinja2 and MarkupSafe are pinned in requirements-load.lock as locust's), so the app's own
environment stays without it. The rows are those of the first 儿童主任's worklist in
bench/load/build.py's database, rendered without the page's context processors: only the
rows' own template, median of 9 rounds of 50 renders, CPU time of this process.
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
sys.path.extend(str(p) for p in (ROOT / "var" / "load-venv" / "lib").glob("python3*/site-packages"))

from visits import _setup_django  # noqa: E402

# The worklist's rows as weibao/templates/visits/worklist.html writes them: its loop up to the
# end of a row (the "{% empty %}" branch left out). The row's tags are those both engines know
# ({% with %}, {% if %}, {{ }}) but for the form's token, which each writes its own way.
PAGE = (ROOT / "weibao" / "templates" / "visits" / "worklist.html").read_text()
ROW = PAGE[PAGE.index("{% for row in rows %}") : PAGE.index("{% empty %}")] + "{% endfor %}"
HIDDEN = '<input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}">'
WORDS = {
    "due_this_week": "本周到期",
    "due_this_month": "本月到期",
    "reason": "原因",
    "colon": "：",
    "continue_draft": "继续草稿",
    "record_visit": "记录走访",
}


def median_ms(render, rounds: int = 9, renders: int = 50) -> float:
    for _ in range(5):
        render()
    times = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(renders):
            render()
        times.append((time.process_time() - start) / renders * 1000)
    return statistics.median(times)


def main() -> None:
    _setup_django()
    import jinja2
    from django.template import engines
    from django.template.context import make_context
    from django.test.utils import setup_test_environment
    from pages import signed_in

    setup_test_environment()  # the test client then keeps the response's context
    response = signed_in("load_dir_0000", two_factor=False).get("/visits/")
    rows = response.context["rows"]
    token = "t" * 64
    django_template = engines["django"].from_string(ROW)
    jinja_row = ROW.replace("{% csrf_token %}", HIDDEN)
    jinja_template = jinja2.Environment(autoescape=True).from_string(jinja_row)

    def django_rows() -> str:
        context = make_context({"rows": rows, "csrf_token": token, **WORDS}, None)
        return django_template.template.render(context)

    def jinja_rows() -> str:
        return jinja_template.render(rows=rows, csrf_token=token, **WORDS)

    assert django_rows() == jinja_rows(), "the two engines wrote different markup"
    print(f"{len(rows)} rows, {len(django_rows())} characters, the same from both engines")
    for _ in range(2):
        django_ms, jinja_ms = median_ms(django_rows), median_ms(jinja_rows)
        print(f"Django {django_ms:.2f} ms, Jinja2 {jinja_ms:.2f} ms: {django_ms / jinja_ms:.1f}×")


if __name__ == "__main__":
    main()
