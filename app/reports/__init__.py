"""Progress reports. ``core/`` is the pure part (inputs, context, scores, attendance, charts,
formatting); beside it the I/O part: ``gather`` reads the records, ``render`` makes HTML and
PDF, ``service`` records who generated what, ``batch`` renders many, ``api`` serves them."""
