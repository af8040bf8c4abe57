"""Read-only figures for the staff dashboard and the monthly report.

Each view (Pendamping, Konsultasi, Kasus KPM, ...) is one module here with one `build` function:
it takes a `ViewQuery` (who reads, which period and filters) and returns a `View`, plain data
(charts and the tables behind them) that the dashboard renders as HTML, CSV and XLSX and the
monthly report as PDF and XLSX. Every query is narrowed by `handlers.people.access` through
`scope.py`; nothing here changes data. Which roles may open which view is declared once, in
`registry.py`.
"""
