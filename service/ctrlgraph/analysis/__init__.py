"""Organization analyses: AI Act applicability, gap analysis, KPIs."""
