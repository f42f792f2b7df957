set terminal pngcairo size 1400,560 font "sans,10"
set output "/tmp/bh/examples/bench/results/2026-12-03-default-idle/chart.png"
set title "wrk or h2load -> proxy -> 2 single-worker Nginx, loopback, 2 cores: median requests/s (higher is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside top center horizontal
set grid ytics
set yrange [0:*]
set xrange [-0.6:10 - 0.4]
set bmargin 4
set format y "%.0s%c"
plot "/tmp/bh/examples/bench/results/2026-12-03-default-idle/chart.dat" using 2:xtic(1) title "Nginx direct" lc rgb "#bbbbbb", \
     "" using 3 title "HAProxy nbthread 1" lc rgb "#7fa7d8", \
     "" using 4 title "HAProxy nbthread 2" lc rgb "#2c5f9e", \
     "" using 5 title "Nginx load balancer" lc rgb "#5aa469", \
     "" using 6 title "Caddy" lc rgb "#9b72b0", \
     "" using 7 title "Tandem" lc rgb "#e07b24"
