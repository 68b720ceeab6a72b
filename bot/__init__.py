"""briefbot: article links in, briefs, storylines, week-ahead digests and cited answers out."""

__version__ = "0.1.0"
