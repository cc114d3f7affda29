"""Clarification requests: an auditor asks the company a question on one criterion without raising a finding; the company answers with text or evidence; the thread is part of the case record."""
