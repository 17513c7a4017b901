"""Table stage: raw tables to typed cells, cells to trade flows."""
