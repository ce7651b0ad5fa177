"""Province-scale benchmark: a data generator and a latency measurement (see bench/README.md)."""
