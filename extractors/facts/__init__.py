"""Facts found in section text: spaCy sentences and entities, acronyms, dates, figures."""
