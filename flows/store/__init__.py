"""The stores: originals by sha256 (raw/), published editions and the catalog (processed/)."""
