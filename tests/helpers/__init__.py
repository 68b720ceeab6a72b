"""Test helpers shared across test modules (real servers on loopback, no mocks of our code)."""
