"""The one quantile the tests and the load-test tools report (p90 idle CPU, p99 latency)."""


def quantile(xs, q):
    """The q-quantile (0..1) of xs, linear between the nearest ranks; NaN for no values."""
    s = sorted(xs)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    i = int(k)
    return s[i] if i + 1 >= len(s) else s[i] + (s[i + 1] - s[i]) * (k - i)
