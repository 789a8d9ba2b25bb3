#!/usr/bin/env python
from linkwell.__main__ import main

if __name__ == "__main__":
    main()
