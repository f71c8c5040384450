"""A county office's registers as it keeps them: its headers, its words and its places.

``vocabulary`` holds the office's words (headers, categories, yes/no, needs written as text),
``places`` reads place names the way offices write them, and ``translate`` turns an
office's table into pairmatch's columns, remembering each column's own header and each
row's spreadsheet row so that problems are reported in the office's terms.
"""
