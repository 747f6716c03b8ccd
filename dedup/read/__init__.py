"""Reading input: finding files, decoding them, splitting dumps into articles."""
