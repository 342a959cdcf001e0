set terminal svg size 720,440 dynamic
set termoption noenhanced
set output "docs/results/reference/figures/table4-loss.svg"
set multiplot layout 1,1 title "Table 4: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "top-1"
plot "docs/results/reference/figures/table4-loss-8c591f4b2988aa2c.dat" using 1:2 with lines lt 1 dt 1 title "logsign(x)", "docs/results/reference/figures/table4-loss-e3981a0caa013c0b.dat" using 1:2 with lines lt 2 dt 1 title "arcsinh(x)", "docs/results/reference/figures/table4-loss-3c41eabfa65eef65.dat" using 1:2 with lines lt 3 dt 1 title "logquad(x)", "docs/results/reference/figures/table4-loss-f6c930b00193b4c9.dat" using 1:2 with lines lt 4 dt 1 title "power23(x)"
unset multiplot
