"""What changed: diffs between neighbouring editions and each fact's history."""
