"""The report's pure core: plain-data inputs, who a copy is for and what it may show (audience),
the context the templates render, attendance, agreements and flags sections, score sections,
SVG charts and display formatting.

No database code and no I/O here (ARCHITECTURE.md): ``reports.gather`` reads the records,
``reports.render`` turns a context into HTML and PDF. The charts and the formatter are also
the web pages', so a page and a PDF draw and word the same numbers the same way.
"""

from app.reports.core.audience import AudienceChoice, for_audience
from app.reports.core.context import ReportContext, build_report_context
from app.reports.core.inputs import AgreementInput, FlagInput, PartnerInput, ReportInput, SessionInput

__all__ = [
    "AgreementInput",
    "AudienceChoice",
    "FlagInput",
    "PartnerInput",
    "ReportContext",
    "ReportInput",
    "SessionInput",
    "build_report_context",
    "for_audience",
]
