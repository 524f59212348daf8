"""Knowledge base: versioned articles, full-text search (CJK included), live publishing."""
