set terminal pngcairo size 1560,460 font "sans,10"
set output "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/frontends.png"
set multiplot layout 1,3 title "Frontends and backends in one file"
set termoption noenhanced
set key top left
set grid
set format y "%g"
set ylabel "start, ms"
set logscale y
set yrange [*:*]
set xrange [-0.3:3.300000]
plot "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/frontends.0.dat" using 1:3:xtic(2) with linespoints lw 2 pt 7 lc rgb "#e07b24" title "Tandem", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/frontends.0.dat" using 1:4:xtic(2) with linespoints lw 2 pt 7 lc rgb "#f2b279" title "Tandem, TANDEM_WARMUP=off", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/frontends.0.dat" using 1:5:xtic(2) with linespoints lw 2 pt 7 lc rgb "#2c5f9e" title "HAProxy"
set ylabel "reload, ms"
set logscale y
set yrange [*:*]
set xrange [-0.3:3.300000]
plot "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/frontends.1.dat" using 1:3:xtic(2) with linespoints lw 2 pt 7 lc rgb "#e07b24" title "Tandem", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/frontends.1.dat" using 1:4:xtic(2) with linespoints lw 2 pt 7 lc rgb "#f2b279" title "Tandem, TANDEM_WARMUP=off", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/frontends.1.dat" using 1:5:xtic(2) with linespoints lw 2 pt 7 lc rgb "#2c5f9e" title "HAProxy"
set ylabel "RSS, MiB"
set logscale y
set yrange [*:*]
set xrange [-0.3:3.300000]
plot "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/frontends.2.dat" using 1:3:xtic(2) with linespoints lw 2 pt 7 lc rgb "#e07b24" title "Tandem", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/frontends.2.dat" using 1:4:xtic(2) with linespoints lw 2 pt 7 lc rgb "#f2b279" title "Tandem, TANDEM_WARMUP=off", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/frontends.2.dat" using 1:5:xtic(2) with linespoints lw 2 pt 7 lc rgb "#2c5f9e" title "HAProxy"
unset multiplot
