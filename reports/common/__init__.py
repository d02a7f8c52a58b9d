"""What the workbook and the brief share: period windows, queries on the marts, number
formats and colours, fonts."""
