return await ClusterLB.Cli.ClusterLBCli.RunAsync(args, ClusterLB.Cli.CliEnvironment.Process);
