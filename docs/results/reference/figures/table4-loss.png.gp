set terminal pngcairo size 900,550
set termoption noenhanced
set output "docs/results/reference/figures/table4-loss.png"
set multiplot layout 1,1 title "Table 4: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "top-1"
plot "docs/results/reference/figures/table4-loss-cdef0046453d47a1.dat" using 1:2 with lines lt 1 dt 1 title "logsign(x)", "docs/results/reference/figures/table4-loss-c8fab5050579390c.dat" using 1:2 with lines lt 2 dt 1 title "arcsinh(x)", "docs/results/reference/figures/table4-loss-7841b7ab45c12d1a.dat" using 1:2 with lines lt 3 dt 1 title "logquad(x)"
unset multiplot
