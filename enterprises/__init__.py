"""The enterprise registry: districts, industries, spectra, enterprises and their members."""
