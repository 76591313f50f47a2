"""Email for the alerts people must act on (issue 16): each person's choice of at once or a daily
digest, one path for every app's alerts (`portal.alerts` calls in when a must-act alert is raised)."""
