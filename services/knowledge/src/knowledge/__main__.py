"""`python -m knowledge`."""

from knowledge.main import main

if __name__ == "__main__":
    main()
