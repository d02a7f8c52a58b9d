"""The PDF management brief: headline figures and charts, 2–6 pages."""
