"""Turns bench/run.sh's raw numbers into a markdown table (with ratios) and a PNG chart."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

tsv, fixed_tsv, md_out, png_out, quick = sys.argv[1:6]
rows = list(csv.DictReader(open(tsv), delimiter="\t"))
fixed = list(csv.DictReader(open(fixed_tsv), delimiter="\t"))


def rps(workload, connections, target):
    for r in rows:
        if r["workload"] == workload and r["connections"] == connections and r["target"] == target:
            return float(r["rps"])
    return None


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "n/a"


lines = ["| workload | conns | target | req/s | p50 ms | p99 ms | CPU s / 100k req | peak RSS MB | vs bare YARP | vs nginx | vs HAProxy |",
         "|---|---|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    value = float(r["rps"])
    ratios = ["", "", ""]
    if r["target"].startswith("clusterlb"):
        ratios = [ratio(value, rps(r["workload"], r["connections"], t)) for t in ("yarp", "nginx", "haproxy")]
    lines.append(f"| {r['workload']} | {r['connections']} | {r['target']} | {value:,.0f} | {float(r['p50_ms']):.2f} | "
                 f"{float(r['p99_ms']):.2f} | {r['cpu_s_per_100k']} | {r['peak_rss_mb']} | " + " | ".join(ratios) + " |")

direct = next((f for f in fixed if f["target"] == "direct"), None)
if fixed:
    lines += ["", f"Fixed rate {fixed[0]['rate']} req/s (half of direct's GET 1 KB maximum), GET 1 KB, added over direct:", "",
              "| target | p50 ms | p99 ms | added p50 ms | added p99 ms |", "|---|---|---|---|---|"]
    for f in fixed:
        added = (float(f["p50_ms"]) - float(direct["p50_ms"]), float(f["p99_ms"]) - float(direct["p99_ms"])) if direct else (0, 0)
        lines.append(f"| {f['target']} | {float(f['p50_ms']):.2f} | {float(f['p99_ms']):.2f} | {added[0]:.2f} | {added[1]:.2f} |")

open(md_out, "w").write("\n".join(lines) + "\n")

groups = sorted({(r["workload"], r["connections"]) for r in rows}, key=lambda g: (g[0], int(g[1])))
targets = list(dict.fromkeys(r["target"] for r in rows))
fig, ax = plt.subplots(figsize=(max(8, len(groups) * 1.6), 4.5))
width = 0.8 / len(targets)
for i, target in enumerate(targets):
    values = [rps(w, c, target) or 0 for (w, c) in groups]
    ax.bar([g + i * width for g in range(len(groups))], values, width, label=target)
ax.set_xticks([g + width * (len(targets) - 1) / 2 for g in range(len(groups))])
ax.set_xticklabels([f"{w}\n{c} conns" for (w, c) in groups])
ax.set_ylabel("requests/s")
ax.set_title("ClusterLB vs bare YARP, nginx, HAProxy on loopback (2 cores)" + (" — quick" if quick == "1" else ""))
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(png_out, dpi=110)
