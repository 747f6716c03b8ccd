"""``python -m dedup``."""

from dedup.entry import main

if __name__ == "__main__":
    main()
