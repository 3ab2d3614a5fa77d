// Hot-path microbenchmarks. Run: dotnet run -c Release --project bench/ClusterLB.Benchmarks -- --filter '*'
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(ClusterLB.Benchmarks.AffinityBenchmarks).Assembly).Run(args);
