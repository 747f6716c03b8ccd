"""Text processing: normalising, comparison texts and units, shingles, alignment."""
