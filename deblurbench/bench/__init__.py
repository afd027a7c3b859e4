"""Measuring: complexity, latency (and, later, quality) of registered networks."""
