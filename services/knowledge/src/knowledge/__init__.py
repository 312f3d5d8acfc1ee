"""Dvika Care knowledge service: the knowledge base, its search and suggestions, and macros."""
