"""User text made safe to show and print (terminal, markup, bidi, GBK), CJK widths, OS errors in Chinese."""
