// A minimal YARP reverse proxy: routes and clusters from the ReverseProxy section, as a user
// would write the smallest possible YARP app. Benchmarks compare ClusterLB against it.
//   dotnet BareYarp.dll --urls http://127.0.0.1:8200 --ReverseProxy:...
var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
var app = builder.Build();
app.MapReverseProxy();
app.Run();
