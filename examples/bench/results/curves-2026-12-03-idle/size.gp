set terminal pngcairo size 1560,460 font "sans,10"
set output "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.png"
set multiplot layout 1,3 title "Response size, keep-alive, 64 connections, http and tcp"
set termoption noenhanced
set key top left
set grid
set format y "%g"
set ylabel "requests/s"
set logscale y
set yrange [*:*]
set xrange [-0.3:4.300000]
plot "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.0.dat" using 1:3:xtic(2) with linespoints lw 2 pt 7 lc rgb "#e07b24" title "Tandem http", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.0.dat" using 1:4:xtic(2) with linespoints lw 2 pt 7 lc rgb "#2c5f9e" title "HAProxy http", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.0.dat" using 1:5:xtic(2) with linespoints lw 2 pt 7 lc rgb "#f2b279" title "Tandem tcp", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.0.dat" using 1:6:xtic(2) with linespoints lw 2 pt 7 lc rgb "#7fa7d8" title "HAProxy tcp"
set ylabel "Gbit/s (wrk's transfer rate)"
unset logscale y
set yrange [0:*]
set xrange [-0.3:4.300000]
plot "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.1.dat" using 1:3:xtic(2) with linespoints lw 2 pt 7 lc rgb "#e07b24" title "Tandem http", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.1.dat" using 1:4:xtic(2) with linespoints lw 2 pt 7 lc rgb "#2c5f9e" title "HAProxy http", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.1.dat" using 1:5:xtic(2) with linespoints lw 2 pt 7 lc rgb "#f2b279" title "Tandem tcp", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.1.dat" using 1:6:xtic(2) with linespoints lw 2 pt 7 lc rgb "#7fa7d8" title "HAProxy tcp"
set ylabel "proxy CPU per request, us"
set logscale y
set yrange [*:*]
set xrange [-0.3:4.300000]
plot "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.2.dat" using 1:3:xtic(2) with linespoints lw 2 pt 7 lc rgb "#e07b24" title "Tandem http", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.2.dat" using 1:4:xtic(2) with linespoints lw 2 pt 7 lc rgb "#2c5f9e" title "HAProxy http", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.2.dat" using 1:5:xtic(2) with linespoints lw 2 pt 7 lc rgb "#f2b279" title "Tandem tcp", "/tmp/bh/examples/bench/results/curves-2026-12-03-idle/size.2.dat" using 1:6:xtic(2) with linespoints lw 2 pt 7 lc rgb "#7fa7d8" title "HAProxy tcp"
unset multiplot
