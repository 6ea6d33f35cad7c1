#!/usr/bin/env python
from weibao.cli import main

if __name__ == "__main__":
    main()
