set terminal svg size 1560,360 dynamic
set termoption noenhanced
set output "docs/results/reference/figures/table13-loss.svg"
set multiplot layout 1,3 title "Table 13: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "ViT-B"
plot "docs/results/reference/figures/table13-loss-2b340e1784877146.dat" using 1:2 with lines lt 1 dt 1 title "Norm", "docs/results/reference/figures/table13-loss-fd46b2c36f60c4ba.dat" using 1:2 with lines lt 2 dt 1 title "Derf", "docs/results/reference/figures/table13-loss-0e1fe89a8ce146f8.dat" using 1:2 with lines lt 3 dt 1 title "DyT"
set title "ViT-L"
plot "docs/results/reference/figures/table13-loss-f7ee9f10515516e4.dat" using 1:2 with lines lt 1 dt 1 title "Norm", "docs/results/reference/figures/table13-loss-998c50cfb732f648.dat" using 1:2 with lines lt 2 dt 1 title "Derf", "docs/results/reference/figures/table13-loss-867d2dfbfc39d9c6.dat" using 1:2 with lines lt 3 dt 1 title "DyT"
set title "DiT-B"
plot "docs/results/reference/figures/table13-loss-8947ba95628bdcbc.dat" using 1:2 with lines lt 1 dt 1 title "Norm", "docs/results/reference/figures/table13-loss-556dc8d3368c7bb4.dat" using 1:2 with lines lt 2 dt 1 title "Derf"
unset multiplot
