%% The broken release of examples/hello-erlang, for voxoz's failure tests: same module and
%% start arguments (`-s hello start`), but it waits for a dependency that never answers and
%% so never prints its ready line. The domain keeps running, silently, until it is destroyed.
-module(hello).
-export([start/0, wait/0]).

start() ->
    io:format("hello: starting; waiting for the database before going ready~n"),
    spawn(?MODULE, wait, []),
    ok.

wait() ->
    receive
        database_up -> io:format("hello ready~n")
    end.
