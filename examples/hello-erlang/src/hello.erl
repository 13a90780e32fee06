%% voxoz's example Erlang app: boots as a Xen domain (erlang-pv: Debian's kernel and Erlang
%% runtime; railing: LING). Start it with `-s hello start`.
%% It prints one line about where it runs, then the ready line voxoz waits for in the
%% domain's console (exactly `hello ready`), then a heartbeat every 5 s.
-module(hello).
-export([start/0, loop/1]).

-define(HEARTBEAT_MS, 5000).

start() ->
    io:format("hello: OTP ~s (ERTS ~s) on ~s, hypervisor ~s, ~b scheduler(s), kernel up ~s s, node up ~b ms~n",
              [erlang:system_info(otp_release), erlang:system_info(version), kernel_release(),
               read_line("/sys/hypervisor/type", "none"), erlang:system_info(schedulers_online),
               kernel_uptime(), vm_uptime_ms()]),
    io:format("hello ready~n"),
    spawn(?MODULE, loop, [1]),
    ok.

loop(N) ->
    receive after ?HEARTBEAT_MS -> ok end,
    io:format("hello heartbeat ~b: node up ~b ms, kernel up ~s s, ~b processes, ~b KiB in use~n",
              [N, vm_uptime_ms(), kernel_uptime(), erlang:system_info(process_count),
               erlang:memory(total) div 1024]),
    ?MODULE:loop(N + 1).

kernel_release() ->
    "Linux " ++ read_line("/proc/sys/kernel/osrelease", "?").

kernel_uptime() ->
    hd(string:split(read_line("/proc/uptime", "?"), " ")).

vm_uptime_ms() ->
    {Ms, _} = erlang:statistics(wall_clock),
    Ms.

read_line(Path, Default) ->
    case file:read_file(Path) of
        {ok, Bin} -> string:trim(binary_to_list(Bin));
        {error, _} -> Default
    end.
