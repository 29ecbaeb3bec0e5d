"""Comments on data sets (analyses among them), and indicators: moderated, rate-limited, with a mail to the
data set's steward."""
