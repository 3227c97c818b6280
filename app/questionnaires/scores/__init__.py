"""Score histories from stored scores (read here, computed by ``app.scoring.history``) and the
practice's own reliability."""
