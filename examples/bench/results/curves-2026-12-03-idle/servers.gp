set terminal pngcairo size 1040,460 font "sans,10"
set output "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/servers.png"
set multiplot layout 1,2 title "Servers per backend (roundrobin), keep-alive, 64 connections, 3 B, http"
set termoption noenhanced
set key top left
set grid
set format y "%g"
set ylabel "requests/s"
unset logscale y
set yrange [0:*]
set xrange [-0.3:3.300000]
plot "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/servers.0.dat" using 1:3:xtic(2) with linespoints lw 2 pt 7 lc rgb "#e07b24" title "Tandem http", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/servers.0.dat" using 1:4:xtic(2) with linespoints lw 2 pt 7 lc rgb "#2c5f9e" title "HAProxy http"
set ylabel "proxy CPU per request, us"
set logscale y
set yrange [*:*]
set xrange [-0.3:3.300000]
plot "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/servers.1.dat" using 1:3:xtic(2) with linespoints lw 2 pt 7 lc rgb "#e07b24" title "Tandem http", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/servers.1.dat" using 1:4:xtic(2) with linespoints lw 2 pt 7 lc rgb "#2c5f9e" title "HAProxy http"
unset multiplot
