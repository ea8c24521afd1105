"""The work-plan task ledger (对账销号): each task of the hall's plan or of an inspection's findings, with its
responsible unit, measures, person and deadline; progress updates with evidence; closing (销号) asked for by one
admin with an evidence note and approved by a second; overdue tasks alerted. Importable from the Excel ledger
halls already keep."""
