"""The access log: reads of personal data, who read them and when (issue 15). See `models` and
`recording`."""
