"""Bounds on the paging a request may ask for. Beyond them no list holds anything, and a number
past the databases' 64-bit integers failed the request with a server error instead of a 400."""

MAX_OFFSET = 1_000_000_000
MAX_PAGE = 1_000_000
