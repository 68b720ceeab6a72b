"""`python -m bot` is the same as the `briefbot` console script."""

from bot.cli import main

if __name__ == "__main__":
    main()
