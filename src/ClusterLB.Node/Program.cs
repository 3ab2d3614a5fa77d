using ClusterLB.Node.Hosting;

return await NodeProgram.RunAsync(args);
