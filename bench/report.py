"""Turns bench/run.sh's raw numbers (one row per round) into markdown tables of medians with their
spread over the rounds, ratios against the other proxies, and a PNG chart of maximum requests/s."""
import csv
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

tsv, md_out, png_out, quick = sys.argv[1:5]
rows = list(csv.DictReader(open(tsv), delimiter="\t"))


def cells():
    """(workload, connections, target) in the order first measured."""
    return list(dict.fromkeys((r["workload"], r["connections"], r["target"]) for r in rows))


def values(cell, column):
    out = []
    for r in rows:
        if (r["workload"], r["connections"], r["target"]) == cell:
            try:
                out.append(float(r[column]))
            except ValueError:
                pass
    return out


def median(cell, column):
    v = values(cell, column)
    return statistics.median(v) if v else None


def spread(cell, column, digits=0):
    """The median with the range over rounds, e.g. `1,234 (1,100-1,300)`; just the median for one round."""
    v = values(cell, column)
    if not v:
        return "n/a"
    fmt = f"{{:,.{digits}f}}"
    m = fmt.format(statistics.median(v))
    return m if len(v) == 1 else f"{m} ({fmt.format(min(v))}-{fmt.format(max(v))})"


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "n/a"


def errors(cell):
    return int(sum(values(cell, "errors")))


lines = []
fixed = [c for c in cells() if c[0].startswith("fixed")]
if fixed:
    rate = fixed[0][0].removeprefix("fixed")
    direct = next((c for c in fixed if c[2] == "direct"), None)
    nginx = next((c for c in fixed if c[2] == "nginx"), None)
    lines += [f"**Headline: fixed rate of {rate} req/s**, GET 1 KB, 30 connections (hey). CPU is the target's processes' "
              "user+system time over the run per request served; latency over every response.", "",
              "| target | req/s served | CPU µs / request | CPU vs nginx | p50 ms | p99 ms | p99 added over direct, ms | errors |",
              "|---|---|---|---|---|---|---|---|"]
    for c in fixed:
        added = (f"{median(c, 'p99_ms') - median(direct, 'p99_ms'):.2f}" if direct and c != direct else "")
        lines.append(f"| {c[2]} | {spread(c, 'rps')} | {spread(c, 'cpu_us_per_req', 1)} | "
                     f"{ratio(median(c, 'cpu_us_per_req'), median(nginx, 'cpu_us_per_req')) if nginx else 'n/a'} | "
                     f"{spread(c, 'p50_ms', 2)} | {spread(c, 'p99_ms', 2)} | {added} | {errors(c)} |")
    lines.append("")

maxima = [c for c in cells() if not c[0].startswith("fixed")]
if maxima:
    lines += ["**Maximum**, wrk with 2 threads; median (lowest-highest) over the rounds.", "",
              "| workload | conns | target | req/s | p50 ms | p99 ms | CPU µs / request | peak RSS MB | vs bare YARP | vs nginx | vs HAProxy | errors |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for c in maxima:
        ratios = ["", "", ""]
        if c[2].startswith("clusterlb"):
            ratios = [ratio(median(c, "rps"), median((c[0], c[1], t), "rps")) for t in ("yarp", "nginx", "haproxy")]
        lines.append(f"| {c[0]} | {c[1]} | {c[2]} | {spread(c, 'rps')} | {spread(c, 'p50_ms', 2)} | {spread(c, 'p99_ms', 2)} | "
                     f"{spread(c, 'cpu_us_per_req', 1)} | {median(c, 'peak_rss_mb'):.0f} | " + " | ".join(ratios) + f" | {errors(c)} |")

open(md_out, "w").write("\n".join(lines) + "\n")

if maxima:
    groups = list(dict.fromkeys((w, c) for (w, c, _) in maxima))
    targets = list(dict.fromkeys(t for (_, _, t) in maxima))
    fig, ax = plt.subplots(figsize=(max(8, len(groups) * 1.6), 4.5))
    width = 0.8 / len(targets)
    for i, target in enumerate(targets):
        heights = [median((w, c, target), "rps") or 0 for (w, c) in groups]
        ax.bar([g + i * width for g in range(len(groups))], heights, width, label=target)
    ax.set_xticks([g + width * (len(targets) - 1) / 2 for g in range(len(groups))])
    ax.set_xticklabels([f"{w}\n{c} conns" for (w, c) in groups])
    ax.set_ylabel("requests/s (median)")
    ax.set_title("ClusterLB vs bare YARP, nginx, HAProxy on loopback (2 cores)" + (" — quick" if quick == "1" else ""))
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png_out, dpi=110)
