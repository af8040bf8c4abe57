"""Drawing a `handlers.reports` view for people: numbers and dates in Indonesian (`cells`),
charts as SVG (`charts`), spreadsheets (`xlsx`). The dashboard pages and the monthly report use
the same functions, so a figure reads the same on screen, in a download and on paper."""
