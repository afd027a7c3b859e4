"""Results -> tables and figures. Reads the results store; never runs a network."""
