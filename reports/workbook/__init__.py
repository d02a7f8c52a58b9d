"""The morning workbook: KPI health heatmap on the front sheet, evidence sheets behind it."""
