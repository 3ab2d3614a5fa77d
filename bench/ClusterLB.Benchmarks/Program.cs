// Hot-path microbenchmarks. Run: dotnet run -c Release --project bench/ClusterLB.Benchmarks -- --filter '*'
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// One job for every benchmark class: short enough for a 2-core box, with allocations measured.
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(8))
    .AddDiagnoser(MemoryDiagnoser.Default);
BenchmarkSwitcher.FromAssembly(typeof(ClusterLB.Benchmarks.AffinityBenchmarks).Assembly).Run(args, config);
