"""The pure control core: values and a time in, values out. No I/O, no clock, no config singletons."""
